// SDEdit: turns the active image (e.g. a rough sketch of a shoe) into a plausible sneaker.
// Headless: ImageJ -batch macros/edit.ijm "guide.tif|result.tif|source-after.tif"
args = split(getArgument(), "|");
if (args.length > 0 && args[0] != "") open(args[0]);
source = getTitle();
run("Edit", "model=fashion-mnist strength=0.6 steps=30 sampler=ddim seed=1 label=Sneaker guidance=2");
print("Edit: " + getTitle() + ", " + getWidth() + "x" + getHeight() + "x" + nSlices + ", " + bitDepth() + "-bit");
if (args.length > 1) saveAs("Tiff", args[1]);
if (args.length > 2) { selectImage(source); saveAs("Tiff", args[2]); }

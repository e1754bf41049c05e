// Fills a centred 12x12 square of the active image (the selection is the mask).
// Headless: ImageJ -batch macros/inpaint.ijm "image.tif|result.tif|source-after.tif"
args = split(getArgument(), "|");
if (args.length > 0 && args[0] != "") open(args[0]);
source = getTitle();
makeRectangle(getWidth() / 2 - 6, getHeight() / 2 - 6, 12, 12);
run("Inpaint", "model=fashion-mnist steps=25 jumps=3 jump_length=5 seed=1");
print("Inpaint: " + getTitle() + ", " + getWidth() + "x" + getHeight() + "x" + nSlices + ", " + bitDepth() + "-bit");
if (args.length > 1) saveAs("Tiff", args[1]);
if (args.length > 2) { selectImage(source); run("Select None"); saveAs("Tiff", args[2]); }

// Denoises an image with Gaussian noise of sigma 25 (grey levels) using the bundled model.
// Interactive: open an image and run this macro. Headless:
//   ImageJ -batch macros/denoise.ijm "noisy.tif|result.tif|source-after.tif"
// (input | where to save the result | where to save the source afterwards, to check it is untouched)
args = split(getArgument(), "|");
if (args.length > 0 && args[0] != "") open(args[0]);
source = getTitle();
run("Denoise", "model=fashion-mnist sigma=25 steps=20 output=mean seed=1");
print("Denoise: " + getTitle() + ", " + getWidth() + "x" + getHeight() + "x" + nSlices + ", " + bitDepth() + "-bit");
if (args.length > 1) saveAs("Tiff", args[1]);
if (args.length > 2) { selectImage(source); saveAs("Tiff", args[2]); }

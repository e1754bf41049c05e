// Fine-tunes the bundled grayscale prior on the open image (a few steps, to show the keys),
// then denoises the same image with the new model, found by name at once.
// Interactive: open clean images of your kind (a stack: one training image per slice) and run
// this macro with more steps (e.g. steps=2000). Headless:
//   ImageJ -batch macros/train.ijm "training.tif|result.tif|source-after.tif"
args = split(getArgument(), "|");
if (args.length > 0 && args[0] != "") open(args[0]);
source = getTitle();
run("Train", "base=grayscale name=macro-cells steps=4 batch=2 patch=32 lr=0.0002 seed=1 validation=0 overwrite=true");
selectImage(source);
run("Denoise", "model=macro-cells sigma=20 output=mean seed=1");
print("Train: model macro-cells, then Denoise: " + getTitle() + ", " + getWidth() + "x" + getHeight() + ", " + bitDepth() + "-bit");
if (args.length > 1) saveAs("Tiff", args[1]);
if (args.length > 2) { selectImage(source); saveAs("Tiff", args[2]); }

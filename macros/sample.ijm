// Draws four sneakers from the bundled Fashion-MNIST model (DDIM, 50 steps, guidance 2).
// Headless:  ImageJ -batch macros/sample.ijm /path/to/result.tif
run("Sample", "model=fashion-mnist count=4 steps=50 sampler=ddim seed=1 label=Sneaker guidance=2");
print("Sample: " + getTitle() + ", " + getWidth() + "x" + getHeight() + "x" + nSlices + ", " + bitDepth() + "-bit");
out = getArgument();
if (out != "") saveAs("Tiff", out);

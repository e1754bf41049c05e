// A slow run (output=sample on a 3-slice stack) to show the progress window, its Cancel button and the
// Log window with what Denoise estimated and decided.
newImage("cells", "16-bit ramp", 768, 768, 3);
run("Add Specified Noise...", "stack standard=400");
run("Denoise", "noise=auto output=sample steps=20 seed=1");
selectWindow("Log");
saveAs("Text", getDirectory("temp") + "diffusion-log.txt");
close("*");
run("Quit");

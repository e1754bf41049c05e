// A slow run (output=std on a 3-slice stack) to show the progress window — one bar for the whole
// command with the time left — its Cancel button, and the Log window with what Denoise decided.
newImage("cells", "16-bit ramp", 1024, 1024, 3);
run("Add Specified Noise...", "stack standard=400");
run("Denoise", "noise=auto output=std samples=8 steps=20 seed=1");
selectWindow("Log");
saveAs("Text", getDirectory("temp") + "diffusion-log.txt");
close("*");
run("Quit");

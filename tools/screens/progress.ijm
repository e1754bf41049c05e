// A slow run (adapt=300 on a 3-slice stack: fine-tuning on each slice before denoising it) to show the
// progress window — one bar for the whole command with the time left — its Cancel button, and the Log
// window with what Denoise decided.
newImage("cells", "16-bit ramp", 512, 512, 3);
run("Add Specified Noise...", "stack standard=400");
run("Denoise", "noise=auto output=mean adapt=300 seed=1");
selectWindow("Log");
saveAs("Text", getDirectory("temp") + "diffusion-log.txt");
close("*");
run("Quit");

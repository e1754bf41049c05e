// Opens Denoise's dialog on a sample image (no options: the dialog waits for a click; the screenshot
// script takes its picture and stops ImageJ).
newImage("cells", "16-bit ramp", 256, 256, 1);
run("Add Specified Noise...", "standard=400");
run("Denoise");

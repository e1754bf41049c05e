// A 2-channel 16-bit image whose first channel is dim (100-1740) under noise of sd 300: ImageJ's
// "Add Specified Noise" on 16 bits draws again below 0, so the dim pixels' noise is cut at 0 without
// a pile there. Denoise with the defaults; the Log should say the noise was truncated at 0 and, for
// channel 1, constant (gaussian) noise — not a camera's Poisson noise read off the shrunken variance.
newImage("two channels", "16-bit ramp", 512, 512, 2, 1, 1);
run("Make Composite");
setSlice(1);
run("Multiply...", "value=0.025 slice");
run("Add...", "value=100 slice");
run("Add Specified Noise...", "slice standard=300");
setSlice(2);
run("Multiply...", "value=0.05 slice");
run("Add...", "value=2000 slice");
run("Add Specified Noise...", "slice standard=100");
setSlice(1);
getStatistics(area, mean, min, max);
print("channel 1 before: min " + min + ", max " + max);
run("Denoise", "noise=auto output=mean");
selectWindow("Log");
saveAs("Text", getDirectory("temp") + "diffusion-truncated16-log.txt");
wait(8000);
close("*");
run("Quit");

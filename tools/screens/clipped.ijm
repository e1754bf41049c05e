// An 8-bit image whose noise was clipped at 0 (ImageJ's "Add Specified Noise" on 8 bits clips): dim
// blobs on a black background. Denoise with the defaults; the Log says that the image clipped and how
// the result was corrected; the background comes back black, not grey.
newImage("dim blobs", "8-bit black", 512, 512, 1);
setColor(60);
for (i = 0; i < 12; i++) {
	x = 40 + (i % 4) * 120; y = 60 + floor(i / 4) * 150;
	fillOval(x, y, 50 + 4 * i, 40 + 3 * i);
}
run("Gaussian Blur...", "sigma=3");
run("Add Specified Noise...", "standard=25");
run("Denoise", "noise=auto output=mean");
getStatistics(area, mean);
makeRectangle(0, 0, 30, 30);
getStatistics(area, background);
run("Select None");
print("Mean of the result " + d2s(mean, 2) + ", of its black top-left corner " + d2s(background, 2));
selectWindow("Log");
saveAs("Text", getDirectory("temp") + "diffusion-clipped-log.txt");
wait(10000);
close("*");
run("Quit");

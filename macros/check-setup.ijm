// Plugins > Diffusion > Check Setup: what the plugin sees on this machine (platform, Java and heap,
// DJL/PyTorch and where the natives come from, devices, model folders, a timed test Denoise,
// the largest image the heap takes), with advice where something is off. The lines go to the Log.
// Headless:  ImageJ -batch macros/check-setup.ijm "log.txt"   (optionally saves the Log there)
run("Check Setup");
out = getArgument();
if (out != "") File.saveString(getInfo("log"), out);

// Plugins > Diffusion > Check Setup: what the plugin sees on this machine (platform, Java and heap,
// DJL/PyTorch and where the natives come from, devices, model folders, a timed test Denoise,
// the largest image the heap takes), with advice where something is off. The lines go to the Log
// (headless: to stdout).   Headless:  ImageJ -batch macros/check-setup.ijm
run("Check Setup");

// Inpaint on a selection, as a user would: a textured picture with two dark bars crossing, a square selected where
// they cross, Plugins > Diffusion > Inpaint with the defaults; the result window beside the untouched original.
newImage("scene", "8-bit ramp", 256, 256, 1);
run("Add Specified Noise...", "standard=12");
setColor(30);
setLineWidth(7);
drawLine(0, 40, 256, 210);
drawLine(110, 0, 160, 256);
makeRectangle(104, 96, 48, 48);
run("Inpaint", "steps=100");
wait(6000);
close("*");
run("Quit");

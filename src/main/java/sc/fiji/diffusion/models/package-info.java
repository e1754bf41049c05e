/** Where models live: the bundled default, Fiji's models folder, and user-chosen folders. */
package sc.fiji.diffusion.models;

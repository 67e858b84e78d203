// The device name every host's data volume is attached at (the program's attachment, and the
// driver's restore of a volume from a snapshot). On Nitro it shows up as an NVMe device whose
// serial is the volume id.
export const DATA_DEVICE_NAME = "/dev/sdf";

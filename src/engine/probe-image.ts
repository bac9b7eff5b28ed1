/** The probe image's name and its default command: plain values, for the modules that only name the image. */

export const PROBE_IMAGE = 'mvnet/probe:2';

/** Stays up until stopped, and stops at once on SIGTERM. */
export const PROBE_CMD = ['sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];

/** The label/tag naming an instance's workspace volume (its record and the provider's labels). */
export const VOLUME_LABEL = "spuff-volume";

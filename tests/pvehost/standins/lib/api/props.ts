// Standard options shared by the API methods (get_standard_option equivalents).
import type { Prop } from "../schema";

export const vmidProp: Prop = { type: "integer", format: "pve-vmid", minimum: 100, maximum: 999999999 };
export const nodeProp: Prop = { type: "string", format: "pve-node" };
export const storageIdProp: Prop = { type: "string", format: "pve-storage-id" };
export const snapnameProp: Prop = { type: "string", format: "pve-configid", maxLength: 40 };
export const skiplockProp: Prop = { type: "boolean", optional: true };
export const digestProp: Prop = { type: "string", maxLength: 40, optional: true };
export const opt = (p: Prop): Prop => ({ ...p, optional: true });

/** Segment attribute bits kept in Cpu.segAttr (descriptor access byte in bits 0-7, flags in 8-11). */
export const SEG_ATTR_PRESENT = 0x80;
export const SEG_ATTR_CODE = 0x08;
export const SEG_ATTR_WRITABLE = 0x02; // data: writable; code: readable
export const SEG_ATTR_EXPAND_DOWN = 0x04; // data only
export const SEG_ATTR_BIG = 0x400; // D/B bit
/** Not a descriptor bit: set for a null (unusable) data segment register. */
export const SEG_ATTR_UNUSABLE = 0x10000;

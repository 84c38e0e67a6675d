/**
 * The loader: puts guest images into RAM and tells the machine how to start them, and symbolizes
 * addresses for reports. Multiboot v1 (ELF32 i386 or the address-field "a.out kludge") today; the
 * Linux boot protocol and flat binaries belong here too.
 */
export { LoaderError, type LoaderErrorKind } from './errors.js';
export {
  EM_386, identifyElf, isElf, machineName, parseElf32,
  type ElfFile, type ElfHeader, type ElfIdent, type ElfProgramHeader, type ElfSection, type ElfSymbol,
  type ElfSymbolBinding, type ElfSymbolType,
} from './elf.js';
export {
  MAX_LABEL_SPAN, SymbolTable,
  type SymbolBinding, type SymbolInfo, type SymbolKind, type SymbolMatch, type SymbolTableData,
} from './symbols.js';
export {
  checkMultibootRequirements, findMultibootHeader, MULTIBOOT_HEADER_MAGIC, MULTIBOOT_SEARCH_BYTES,
  type MultibootAddressFields, type MultibootHeader, type MultibootVideoFields,
} from './multiboot-header.js';
export {
  BOOT_AREA, BOOT_STACK_TOP, CODE_SELECTOR, DATA_SELECTOR, GDT_BASE, GDT_LIMIT, MULTIBOOT_BOOTLOADER_MAGIC,
  MULTIBOOT_INFO_ADDR, pcMemoryMap, type MemoryMapEntry,
} from './boot-area.js';
export { loadMultiboot, type BootState, type LoadedRange, type LoadOptions } from './multiboot.js';
export { readImageFile } from './image-file.js';
export { readKallsyms, symbolTableFromKallsyms, type KallsymsAddressForm, type KallsymsTables } from './kallsyms.js';

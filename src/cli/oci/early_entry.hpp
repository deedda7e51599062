// brig-oci's ELF entry point in the static x86-64 build (early_entry.cpp): create, run and
// exec re-execute from a read-only clone of the binary before the C library starts.
#pragma once

// 1 when the entry point found the running binary read-only (see linux/selfexe.hpp).
extern "C" int brig_oci_exe_verified_early;

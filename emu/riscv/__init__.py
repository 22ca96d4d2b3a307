"""RISC-V (RV64GC) instruction set support: decoding."""

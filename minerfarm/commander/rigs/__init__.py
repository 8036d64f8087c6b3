"""Rigs (CPU/GPU rigs and ASIC sentries): create, rename, delete, tokens, their ASICs."""

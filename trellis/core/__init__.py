"""Pure computation: no Django, no I/O. Plain values in, plain values out."""

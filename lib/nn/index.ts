// torch.nn: filled in by its own issue; the namespace exists so that imports resolve as in Python.
export {};

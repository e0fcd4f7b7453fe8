// torch.utils.data: filled in by the data-loading issue.
export {};

"""The lab's pages, one module each with ``render()``: Draw, Softmax, Activations, Dataset, Model, Training,
Predictions, Errors."""

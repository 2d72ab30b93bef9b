"""The client's file beside the decision: directory, history, comparisons, the letter and data labels."""

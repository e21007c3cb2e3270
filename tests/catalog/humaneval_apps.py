"""`python:` models for the HumanEval tests: canonical, empty and chat-style answers."""


def canonical(prompt, sample):
    return sample.target


def empty(prompt, sample):
    return ""


def fenced_with_signature(prompt, sample):
    """A chat model's answer: the whole function again, in a fenced block, with prose."""
    return (
        "Here is the function:\n\n```python\n" + sample.input + sample.target + "```\n"
        "It handles every case."
    )

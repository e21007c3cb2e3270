"""`python:` judges for the engine's judge tests."""


def lenient(prompt):
    return '{"explanation": "fine", "rating": 5}'


def strict(prompt):
    return '{"explanation": "not enough", "rating": 1}'

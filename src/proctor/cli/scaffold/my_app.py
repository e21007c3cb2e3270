"""The system under test: replace `answer` with a call into your own application.

Proctor calls `answer(prompt, sample)` once per sample (and epoch). Return the
answer text, or a dict with `text` plus anything your scorers should see
(retrieved documents, tool calls, token counts as `input_tokens`/`output_tokens`).
"""

KEYWORDS = {
    "billing": ("charge", "invoice", "card", "pay", "refund"),
    "shipping": ("parcel", "deliver", "tracking", "courier", "package"),
    "account": ("password", "log in", "account", "email", "profile"),
}


def answer(prompt, sample):
    text = sample.input_text.lower()
    for team, words in KEYWORDS.items():
        if any(word in text for word in words):
            return team
    return "account"

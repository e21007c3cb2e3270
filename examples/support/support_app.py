"""A small customer-support assistant: the system under test of the example benchmark.

It answers from a fixed help-centre knowledge base by picking the article that
shares the most words with the question — a stand-in for a retrieval-augmented
application. Proctor calls `answer(prompt, sample)` through
`--model python:support_app:answer`; the answer carries the retrieved article
id as `contexts`, kept with the sample for scorers and for inspection.
"""

from __future__ import annotations

import re

ARTICLES = {
    "returns-window": "You can return any item within 30 days of delivery for a full refund.",
    "returns-label": "Every order includes a free return shipping label.",
    "refund-time": "Refunds are issued within 5 business days after we receive your return.",
    "refund-method": "Refunds go back to the original payment method used for the order.",
    "shipping-standard": "Standard shipping takes 3 to 5 business days.",
    "shipping-express": "Express delivery arrives the next business day when ordered before 2pm.",
    "shipping-free": "Shipping is free on orders over $50.",
    "shipping-cost": "Standard shipping costs $4.99 for orders under the free threshold.",
    "shipping-intl": "We currently ship to the United States and Canada only.",
    "tracking": "Your tracking number is in the shipping confirmation email we send you.",
    "billing-methods": "We accept Visa, Mastercard, PayPal and Apple Pay.",
    "billing-double": "Duplicate charges are pending authorisations and are automatically "
    "refunded within 3 days.",
    "billing-invoice": "Invoices can be downloaded from the Orders page of your account.",
    "billing-currency": "All prices are charged in US dollars.",
    "account-password": "Use the Forgot password link on the sign-in page to reset it.",
    "account-delete": "To delete your account and data, write to privacy@example.com.",
    "account-email": "You can change your email address under Account settings.",
    "account-2fa": "Two-factor authentication is available with any authenticator app.",
    "warranty": "Electronics come with a 2 years warranty against manufacturing defects.",
    "price-match": "We match a lower price from a major retailer within 14 days of purchase.",
    "gift-cards": "Gift cards never expire and can be used on any product.",
    "support-hours": "Our support team is available from 9am to 6pm, Monday to Friday.",
    "support-phone": "Call us at 1-800-555-0199 during support hours.",
    "support-chat": "Live chat is available in the help centre during support hours.",
    "order-cancel": "Orders can be cancelled within 1 hour of being placed.",
    "order-change": "The delivery address can be changed before it ships, from the Orders page.",
}

_STOP = {
    "a",
    "an",
    "the",
    "i",
    "my",
    "do",
    "you",
    "is",
    "are",
    "can",
    "how",
    "what",
    "to",
    "of",
    "for",
    "on",
    "in",
    "it",
    "with",
    "does",
    "your",
    "me",
    "be",
    "will",
    "if",
}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9$]+", text.lower()) if w not in _STOP}


_INDEX = {key: _words(key.replace("-", " ") + " " + text) for key, text in ARTICLES.items()}


def retrieve(question: str) -> str:
    """The id of the article sharing the most words with the question."""
    words = _words(question)
    return max(_INDEX, key=lambda key: (len(words & _INDEX[key]), key))


def answer(prompt, sample) -> dict:
    """Answer one customer question from the knowledge base."""
    article = retrieve(sample.input_text)
    return {"text": ARTICLES[article], "contexts": [article]}

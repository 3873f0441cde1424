"""Rasa's whitespace tokenizer made to read every script our languages use.

Two things differ from rasa's WhitespaceTokenizer:
- its emoji filter drops any token made only of characters in U+24C2..U+1F251, which holds
  every Chinese character: a Chinese message had no tokens, so no features at all. Here a
  token with Chinese characters is never taken for an emoji;
- Chinese runs are cut into words (bot/language/segmentation.py), so the character n-grams
  and the word features of the pipeline mean the same in every script;
- each token's lemma, which the featurizers read, is the token without accents as
  bot.language.text.fold_accents takes them: Latin accents and Arabic harakat go, Hindi's
  vowel signs stay. The featurizers' own `strip_accents: unicode` took those too, and left
  'मीडिएशन' (mediation) as 'मडएशन'.
"""

from __future__ import annotations

from typing import List

import regex
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.language.segmentation import has_han, words_of
from bot.language.text import fold_accents

# Rasa's own: punctuation at either end of a word, and inside one unless between digits or in
# an address ("10'000.00", "blabla@gmail.com").
_NOT_A_WORD = regex.compile(
    r"[^\w#@&]+(?=\s|$)|"
    r"(\s|^)[^\w#@&]+(?=[^0-9\s])|"
    r"(?<=[^0-9\s])[^\w._~:/?#\[\]()@!$&*+,;=-]+(?=[^0-9\s])"
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ScriptTokenizer(WhitespaceTokenizer):
    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        text = message.get(attribute)
        words = []
        for word in _NOT_A_WORD.sub(" ", text).split():
            if has_han(word):
                words.extend(words_of(word))
            else:
                word = self.remove_emoji(word)
                if word:
                    words.append(word)
        if not words:  # only emoji or punctuation, like ':)': the whole text is one token
            words = [text]
        tokens = self._apply_token_pattern(self._convert_words_to_tokens(words, text))
        for token in tokens:
            token.lemma = fold_accents(token.text)
        return tokens

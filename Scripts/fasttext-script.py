"""A script written for fastText, as its users write them: train on a file in fastText's
format, predict one headline, measure on a validation file. Scripts/bench-python.sh runs it
as it is (PyPI's fasttext) and with its first line changed to
`import textclf.fasttext as fasttext`, nothing else.
    python fasttext-script.py TRAIN.txt VALID.txt
"""
import fasttext
import sys
import time

train, valid = sys.argv[1], sys.argv[2]
start = time.time()
model = fasttext.train_supervised(input=train, epoch=25, lr=0.5, wordNgrams=2)
seconds = time.time() - start
labels, probabilities = model.predict("湖人加时险胜勇士 詹姆斯砍下40分", k=2)
print("predict:", labels, [round(float(p), 4) for p in probabilities])
n, precision, recall = model.test(valid)
print(f"test: N {n}, precision@1 {precision:.4f}, recall@1 {recall:.4f}; training {seconds:.1f} s")

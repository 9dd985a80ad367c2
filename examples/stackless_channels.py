"""Stackless tasklets and a channel (seed 000, Python 3).

Ten `output` tasklets wait on one channel; the `input` tasklet sends URLs into
it. Instead of fetching the web, fetch() fakes a download. On CPython,
Coroscope provides a `stackless` module built on greenlet.
"""
import stackless

URLS = [
    'http://example.com/index.html',
    'http://example.com/about.html',
    'http://example.com/news.html',
]


def fetch(url):
    return 'x' * len(url)          # pretend we downloaded the page


def output():
    while 1:
        url = chan.receive()         # block until someone sends
        print(url)
        page = fetch(url)
        print(stackless.getcurrent(), len(page), 'bytes')


def input():
    for url in URLS:
        chan.send(url)               # hand the url to a waiting output tasklet


chan = stackless.channel()
[stackless.tasklet(output)() for i in range(10)]
stackless.tasklet(input)()
stackless.run()
print('done')

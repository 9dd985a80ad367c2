"""Worker processes fed through a JoinableQueue, results on a Queue
(seed 003, Python 3; the downloads are faked)."""
import multiprocessing
import time


def get_urls():
    return ['http://example.com/page/%d' % i for i in range(6)]


def _download(url):
    time.sleep(0.05)                    # pretend to fetch the page
    return url, len(url) * 100


def _worker(tasks, results):
    while True:
        task = tasks.get()              # blocks until there is a task
        try:
            results.put(_download(task))
        finally:
            tasks.task_done()


def create_process(tasks, results, count):
    for _ in range(count):
        p = multiprocessing.Process(target=_worker, args=(tasks, results))
        p.daemon = True                 # ends with the main process
        p.start()


def add_tasks(tasks):
    urls = get_urls()
    for url in urls:
        tasks.put(url)
    return len(urls)


def parse(tasks, results, count):
    tasks.join()                        # wait until every task is done
    for _ in range(count):              # one result per task
        url, size = results.get()
        print('%s: %d bytes' % (url, size))


def main():
    tasks = multiprocessing.JoinableQueue()
    results = multiprocessing.Queue()
    create_process(tasks, results, 2)
    count = add_tasks(tasks)
    parse(tasks, results, count)


if __name__ == '__main__':
    main()

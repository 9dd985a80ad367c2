"""concurrent.futures: a process pool and as_completed (seed 003, Python 3)."""
import concurrent.futures
import time


def task(n):
    time.sleep(0.05 * n)                # pretend to work
    return n * n


def main():
    futures = set()
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as executor:
        for n in range(1, 5):
            futures.add(executor.submit(task, n))
        for future in concurrent.futures.as_completed(futures):
            err = future.exception()
            if err is None:
                print('result:', future.result())
            else:
                raise err


if __name__ == '__main__':
    main()

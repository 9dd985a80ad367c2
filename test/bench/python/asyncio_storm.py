import asyncio

async def spin(n):
    for _ in range(n):
        await asyncio.sleep(0)

async def main():
    await asyncio.gather(*(spin(100) for _ in range(5000)))

asyncio.run(main())

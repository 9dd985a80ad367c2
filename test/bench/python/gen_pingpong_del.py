class Res:  # a __del__ the program never runs: the old runtime ordered every flush once it was loaded
    def __del__(self):
        print("freed")


import gen_pingpong  # noqa: E402, F401  (the same 200k sends as gen_pingpong.py, with this class loaded)

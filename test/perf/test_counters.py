# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Parsing of testpmd stats, ping-pong results and the rate measurement."""

import unittest

from vm2vm_perf import counters

BLOCK = """
  ######################## NIC statistics for port {port}  ########################
  RX-packets: {rx}    RX-missed: 0          RX-bytes:  77836544
  RX-errors: 0
  RX-nombuf:  0
  TX-packets: {tx}    TX-errors: 0          TX-bytes:  77825536

  Throughput (since last show)
  Rx-pps:      {pps}          Rx-bps:    607817992
  Tx-pps:      {tpps}          Tx-bps:    607730280
  ############################################################################
"""


def block(port, rx, tx=0, pps=0, tpps=0):
    return BLOCK.format(port=port, rx=rx, tx=tx, pps=pps, tpps=tpps)


class TestTestpmdStats(unittest.TestCase):
    def test_blocks_parsed_in_order(self):
        text = '\x1b[2J\x1b[1;1H' + block(0, 100, 7, 50, 3) + block(1, 200) + block(0, 300)
        s = counters.parse_testpmd_stats(text)
        self.assertEqual([x['port'] for x in s], [0, 1, 0])
        self.assertEqual(s[0], {'port': 0, 'rx_packets': 100, 'tx_packets': 7, 'rx_pps': 50,
                                'tx_pps': 3})
        self.assertEqual(s[2]['rx_packets'], 300)

    def test_truncated_block_dropped(self):
        text = block(0, 100) + block(0, 200).split('Rx-pps')[0]
        self.assertEqual(len(counters.parse_testpmd_stats(text)), 1)

    def test_rx_totals_sum_ports_per_period(self):
        text = block(0, 10) + block(1, 20) + block(0, 110) + block(1, 220) + block(0, 500)
        self.assertEqual(counters.testpmd_rx_totals(text, [0, 1]), [30, 330])
        self.assertEqual(counters.testpmd_rx_totals(text, [0]), [10, 110, 500])

    def test_no_stats(self):
        self.assertEqual(counters.testpmd_rx_totals('EAL: starting\n', [0]), [])


class TestPingPong(unittest.TestCase):
    def test_last_result_line(self):
        text = ('ping-pong: 10 round trips\nRESULT samples=5 lost=0 p50=9.0\n'
                'RESULT samples=20000 lost=2 size=64 burst=1 min=0.733 p50=1.282 p99=11.774 '
                'p999=25.145 max=15998.282 mean=5.520\n')
        r = counters.parse_pingpong(text)
        self.assertEqual(r['samples'], 20000)
        self.assertEqual(r['lost'], 2)
        self.assertAlmostEqual(r['p999'], 25.145)
        self.assertAlmostEqual(r['max'], 15998.282)

    def test_missing(self):
        self.assertIsNone(counters.parse_pingpong('ping-pong: link of port 0 not up\n'))


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.t += s


class TestMeasure(unittest.TestCase):
    def test_median_and_rates(self):
        self.assertEqual(counters.median([3, 1, 2]), 2.0)
        self.assertEqual(counters.median([4, 1, 2, 3]), 2.5)
        self.assertEqual(counters.median([]), 0.0)
        # a counter that went backwards (port reset) yields no rate
        self.assertEqual(counters.rates([(0, 0), (1, 10), (2, 5), (3, 15)]), [10.0, 10.0])

    def test_steady(self):
        self.assertFalse(counters.is_steady([100]))
        self.assertFalse(counters.is_steady([0, 0]))
        self.assertFalse(counters.is_steady([50, 100]))
        self.assertTrue(counters.is_steady([10, 100, 95]))

    def test_window_starts_after_ramp(self):
        clock = FakeClock()
        start = clock.t
        # packets/s: ramps up for 3 s, then 1000/s; the window must not include the ramp
        def read():
            t = clock.t - start
            return int(sum(min(1000, 300 * (k + 1)) for k in range(int(t))))
        r = counters.measure_rate(read, duration=5, warmup_max=10, sleep=clock.sleep, clock=clock)
        self.assertTrue(r['steady'])
        self.assertEqual(r['median'], 1000.0)
        self.assertAlmostEqual(r['mean'], 1000.0)
        self.assertEqual(len(r['rates']), 5)
        self.assertLessEqual(r['warmup_s'], 6)

    def test_never_steady_reported(self):
        clock = FakeClock()
        state = {'n': 0, 'k': 0}

        def read():
            state['k'] += 1
            state['n'] += 100 if state['k'] % 2 else 1000
            return state['n']
        r = counters.measure_rate(read, duration=2, warmup_max=3, sleep=clock.sleep, clock=clock)
        self.assertFalse(r['steady'])
        self.assertEqual(r['warmup_s'], 3)
        self.assertEqual(len(r['rates']), 2)

    def test_samples_on_a_fixed_grid(self):
        # each read takes 0.1 s: the samples stay 0.5 s apart, not 0.6
        clock = FakeClock()
        times = []

        def read():
            times.append(clock.t)
            clock.t += 0.1
            return int(clock.t * 1000)
        counters.measure_rate(read, duration=2, warmup_max=3, interval=0.5,
                              sleep=clock.sleep, clock=clock)
        gaps = [round(b - a, 6) for a, b in zip(times, times[1:])]
        self.assertEqual(set(gaps), {0.5})

    def test_per_cpu_second(self):
        # the thread gets half of its CPU: 500 packets per wall second are
        # 1000 per CPU-second, and the window lasts duration wall seconds
        clock = FakeClock()
        start = clock.t

        def read():
            return int(500 * (clock.t - start))
        r = counters.measure_rate(read, duration=2, warmup_max=3, interval=0.5,
                                  sleep=clock.sleep, clock=clock,
                                  cpu=lambda: (clock.t - start) / 2)
        self.assertTrue(r['steady'])
        self.assertAlmostEqual(r['median'], 1000.0)
        self.assertAlmostEqual(r['mean'], 1000.0)
        self.assertEqual(len(r['rates']), 4)
        self.assertAlmostEqual(r['wall_s'], 2.0)
        self.assertAlmostEqual(r['cpu_s'], 1.0)
        self.assertAlmostEqual(r['warmup_s'], 1.0)   # two half-second rates

    def test_thread_not_scheduled_gives_no_rate(self):
        clock = FakeClock()
        # in the window's second interval the thread did not run at all
        cpu = iter([0.0, 0.5, 1.0, 1.5, 1.5, 2.0, 2.5])
        n = iter([0, 500, 1000, 1500, 1600, 2100, 2600])
        r = counters.measure_rate(lambda: next(n), duration=2, warmup_max=2, interval=0.5,
                                  sleep=clock.sleep, clock=clock, cpu=lambda: next(cpu))
        self.assertEqual(r['rates'], [1000.0, 1000.0, 1000.0])
        self.assertAlmostEqual(r["mean"], 1600 / 1.5)

    def test_proc_cpu_parsers(self):
        self.assertAlmostEqual(counters.parse_schedstat('1500000000 2000 30\n'), 1.5)
        stat = ('4242 (rte-worker (1)) R 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 5 6 7\n')
        self.assertAlmostEqual(counters.parse_stat_cpu(stat, 100), 3.0)


if __name__ == '__main__':
    unittest.main()

"""The hosts and components the simulator plays (see docs/data-model.md, 'Topology')."""

from __future__ import annotations

from dataclasses import dataclass

GIB = 1024**3
# hosts are rebuilt (counters reset) every five years from their anchor: late 2023, late 2028, ...
BOOT_PERIOD_S = 1826 * 86400


@dataclass(frozen=True)
class Host:
    """One machine: its component and the parameters of its calm-period resource usage."""

    name: str
    component: str
    cpu_mu: float  # long-run mean busy fraction of its 2 CPUs
    cpu_diurnal: float  # amplitude of the daily swing of the busy fraction
    # fraction of busy time spent in (user, system, iowait), per CPU
    cpu_modes: tuple[tuple[float, float, float], tuple[float, float, float]]
    mem_total_bytes: int  # what /proc/meminfo reports (a little under the VM size)
    mem_used: tuple[float, float]  # range of the hourly anchors of the used-memory fraction
    disk_size_bytes: int
    disk_used_base: float  # used fraction right after the weekly clean-up
    disk_fill_per_day: float  # used fraction added per day until the next clean-up
    net_rx_bytes_per_s: float  # mean eth0 receive rate
    boot_anchor_s: int  # epoch seconds of a (re)install reboot; repeats every BOOT_PERIOD_S
    serves_http: bool = False  # app servers expose the request-duration histogram

    @property
    def instance(self) -> str:
        return f"{self.name}:9100"


# fmt: off
HOSTS: tuple[Host, ...] = (
    Host(
        "web-1", "api-gateway", 0.30, 0.06, ((0.62, 0.33, 0.05), (0.60, 0.35, 0.05)),
        4_025_483_264, (0.46, 0.58), 41_555_521_536, 0.31, 0.0030, 1.6e6, 1_700_803_800,
    ),
    Host(
        "web-2", "api-gateway", 0.29, 0.06, ((0.61, 0.34, 0.05), (0.63, 0.32, 0.05)),
        4_025_483_264, (0.45, 0.57), 41_555_521_536, 0.29, 0.0030, 1.5e6, 1_701_408_600,
    ),
    Host(
        "app-1", "app-server", 0.36, 0.05, ((0.74, 0.22, 0.04), (0.72, 0.24, 0.04)),
        8_140_632_064, (0.55, 0.68), 84_278_812_672, 0.42, 0.0025, 2.4e6, 1_702_016_100,
        serves_http=True,
    ),
    Host(
        "app-2", "app-server", 0.35, 0.05, ((0.73, 0.23, 0.04), (0.75, 0.21, 0.04)),
        8_140_632_064, (0.54, 0.67), 84_278_812_672, 0.40, 0.0025, 2.3e6, 1_702_620_900,
        serves_http=True,
    ),
    Host(
        "db-1", "database", 0.34, 0.04, ((0.55, 0.25, 0.20), (0.52, 0.27, 0.21)),
        16_381_018_112, (0.58, 0.70), 268_301_451_264, 0.52, 0.0085, 3.1e6, 1_703_225_700,
    ),
    Host(
        "worker-1", "worker", 0.33, 0.03, ((0.80, 0.15, 0.05), (0.78, 0.17, 0.05)),
        8_140_632_064, (0.48, 0.62), 84_278_812_672, 0.36, 0.0040, 0.9e6, 1_703_830_500,
    ),
)
# fmt: on

HOSTS_BY_NAME: dict[str, Host] = {h.name: h for h in HOSTS}
GATEWAY_HOSTS: tuple[str, ...] = ("web-1", "web-2")
APP_HOSTS: tuple[str, ...] = ("app-1", "app-2")
COMPONENTS: tuple[str, ...] = ("api-gateway", "app-server", "database", "worker")
# components that write the JSON error log, and the hosts each one runs on
LOG_COMPONENTS: dict[str, tuple[str, ...]] = {
    "app-server": ("app-1", "app-2"),
    "database": ("db-1",),
    "worker": ("worker-1",),
}
# what a host's share of the gateway traffic is
GATEWAY_SHARE: dict[str, float] = {"web-1": 0.52, "web-2": 0.48}


def host(name: str) -> Host:
    try:
        return HOSTS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown host {name!r}; known: {', '.join(HOSTS_BY_NAME)}") from None


def component_of(name: str) -> str:
    return host(name).component

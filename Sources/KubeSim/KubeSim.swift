// KubeSim: see Server/.

import KubeSim
print("kubesim: not built yet")

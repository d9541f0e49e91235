print("kube bench")

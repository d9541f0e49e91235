// SluiceKube

// The store module; see Store.swift.

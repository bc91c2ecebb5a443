import ArgumentParser
print("nimbus")

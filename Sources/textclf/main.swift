print("textclf")

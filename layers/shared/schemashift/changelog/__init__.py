"""changelog"""

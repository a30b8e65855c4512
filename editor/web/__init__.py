"""The pages: htmx views, their forms and the canvas drawing.

Views parse a request, call one service or selector, and render.  This package never imports the REST API
(``editor.api``): the pages and the API are two faces of one service layer.
"""

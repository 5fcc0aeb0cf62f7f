"""The class's pages: class_ (the Class page) with board (the live class board), room (a student in a room, on
Draw), signin (the teacher's session) and teaching (teach the model a room's handwriting)."""

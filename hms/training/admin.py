# The course catalogue and the roles requiring each course are kept in the app by the HSE
# department (/training/courses/), in both languages, not here.

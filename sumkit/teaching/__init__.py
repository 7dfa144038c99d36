"""What the notebooks use to teach: offline datasets, the attack lab's levels, ipywidgets panels and
matplotlib figures. The course (``sumkit.course``), the grader (``sumkit.grading``), the class node
(``sumkit.classroom``) and the simulation (``sumkit.sim``) are the other teaching packages; they stay at the
top level so their command lines read ``python -m sumkit.course``."""

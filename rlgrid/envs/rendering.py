"""Drawing the warehouse: text for terminals, RGB frames and a window through pygame.

pygame is imported only by the functions that draw pixels, so the ``ansi`` mode, training and the
CLI's start-up never load it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from rlgrid.envs.layout import Cell, Layout

if TYPE_CHECKING:
    import pygame

FLOOR = (236, 236, 228)
GRID_LINE = (200, 200, 190)
SHELF = (92, 72, 56)
ROBOT = (40, 110, 220)
TARGET = (214, 140, 48)
TAPE = (170, 100, 30)
STATUS_BG = (255, 255, 255)
STATUS_FG = (20, 20, 20)

MAX_FRAME_SIDE = 768
"""Frames are scaled so the grid fits in this many pixels; cells are 8 to 64 pixels wide."""


def ansi_text(layout: Layout, robot: Cell, target: Cell) -> str:
    """The grid as text, one row per line: ``R`` robot, ``T`` target, ``#`` blocked, ``_`` floor."""
    rows, cols = layout.size
    lines = []
    for r in range(rows):
        tokens = []
        for c in range(cols):
            if (r, c) == robot:
                tokens.append("R")
            elif (r, c) == target:
                tokens.append("T")
            elif not layout.free[r, c]:
                tokens.append("#")
            else:
                tokens.append("_")
        lines.append(" ".join(tokens))
    return "\n".join(lines) + "\n"


def cell_pixels(layout: Layout) -> int:
    """Side of one cell in pixels for this layout's frames."""
    return int(np.clip(MAX_FRAME_SIDE // max(layout.size), 8, 64))


def _even(pixels: int) -> int:
    return pixels + pixels % 2


def import_pygame():
    """Import pygame quietly (no banner), or say which package is missing."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame
    except ImportError as error:  # pragma: no cover - pygame is a hard dependency
        from rlgrid.errors import RlgridError

        raise RlgridError("drawing frames needs pygame: pip install pygame") from error
    return pygame


class FrameDrawer:
    """Draws frames of one layout: the grid, robot and target, and a status line below."""

    def __init__(self, layout: Layout) -> None:
        self.pygame = import_pygame()
        self.layout = layout
        self.cell = cell_pixels(layout)
        if not self.pygame.font.get_init():
            self.pygame.font.init()
        self.font = self.pygame.font.Font(None, max(16, min(28, self.cell // 2 + 8)))
        rows, cols = layout.size
        # Both sides even (yuv420p video and some browsers need it): an odd grid side gets one
        # blank pixel of padding, right of the grid or above the status line; nothing is stretched.
        self.status_height = (self.font.get_linesize() + 7) // 2 * 2
        self.grid_height = _even(rows * self.cell)
        self.size = (_even(cols * self.cell), self.grid_height + self.status_height)
        self._background = self._draw_background()
        self._fonts: dict[int, pygame.font.Font] = {}

    def _draw_background(self) -> pygame.Surface:
        pg = self.pygame
        surface = pg.Surface(self.size)
        surface.fill(STATUS_BG)
        rows, cols = self.layout.size
        cell = self.cell
        surface.fill(FLOOR, pg.Rect(0, 0, cols * cell, rows * cell))
        for r, c in np.argwhere(~self.layout.free):
            surface.fill(SHELF, pg.Rect(c * cell, r * cell, cell, cell))
        if cell >= 12:  # no line right of the grid: a padding column stays blank
            for c in range(cols):
                pg.draw.line(surface, GRID_LINE, (c * cell, 0), (c * cell, rows * cell))
            for r in range(rows + 1):
                pg.draw.line(surface, GRID_LINE, (0, r * cell), (cols * cell - 1, r * cell))
        return surface

    def draw(self, robot: Cell, target: Cell, status: str) -> pygame.Surface:
        """A new surface showing ``robot`` and ``target`` with ``status`` under the grid."""
        pg = self.pygame
        cell = self.cell
        surface = self._background.copy()
        box = pg.Rect(target[1] * cell, target[0] * cell, cell, cell).inflate(
            -cell // 5, -cell // 5
        )
        surface.fill(TARGET, box)
        if cell >= 16:  # parcel tape along the box edges, clear of its centre
            pg.draw.rect(surface, TAPE, box, width=max(1, cell // 16))
        centre = (robot[1] * cell + cell // 2, robot[0] * cell + cell // 2)
        pg.draw.circle(surface, ROBOT, centre, max(2, cell * 3 // 8))
        text = self._fitted(status)
        top = self.grid_height + (self.status_height - text.get_height()) // 2
        surface.blit(text, (4, top))
        return surface

    def _fitted(self, status: str) -> pygame.Surface:
        """The status text in the largest font size (down to 10) that fits the frame's width."""
        size = self.font.get_height()
        text = self.font.render(status, True, STATUS_FG, STATUS_BG)
        while text.get_width() > self.size[0] - 8 and size > 10:
            size -= 2
            text = self._font(size).render(status, True, STATUS_FG, STATUS_BG)
        return text

    def _font(self, size: int) -> pygame.font.Font:
        if size not in self._fonts:
            self._fonts[size] = self.pygame.font.Font(None, size)
        return self._fonts[size]

    def to_array(self, surface: pygame.Surface) -> np.ndarray:
        """The surface as an (height, width, 3) uint8 array."""
        return np.ascontiguousarray(np.transpose(self.pygame.surfarray.array3d(surface), (1, 0, 2)))


def add_status_line(frame: np.ndarray, status: str, widest: str = "") -> np.ndarray:
    """``frame`` (any env's rgb_array picture) with a white status line added below it, broken
    into lines where the frame is narrow; room is made for as many lines as ``widest`` (the
    longest status of the episodes) needs, so every frame of them has the same size."""
    pygame = import_pygame()
    if not pygame.font.get_init():
        pygame.font.init()
    font = pygame.font.Font(None, 22)
    width = _even(frame.shape[1])

    def fits(text: str) -> bool:
        return font.size(text)[0] <= width - 8

    lines = _wrapped(status, fits)
    rows = max(len(lines), len(_wrapped(widest, fits)) if widest else 0)
    height = (font.get_linesize() * rows + 7) // 2 * 2
    canvas = pygame.Surface((width, _even(frame.shape[0]) + height))
    canvas.fill(STATUS_BG)
    canvas.blit(pygame.surfarray.make_surface(np.ascontiguousarray(frame.swapaxes(0, 1))), (0, 0))
    top = canvas.get_height() - height + 3
    for number, line in enumerate(lines):
        canvas.blit(
            font.render(line, True, STATUS_FG, STATUS_BG), (4, top + number * font.get_linesize())
        )
    return np.ascontiguousarray(np.transpose(pygame.surfarray.array3d(canvas), (1, 0, 2)))


def _wrapped(status: str, fits: Callable[[str], bool]) -> list[str]:
    """``status`` on as few lines as fit a narrow frame, broken between its parts (which are
    separated by two spaces), never inside one."""
    lines: list[str] = []
    for part in status.split("  "):
        if lines and fits(f"{lines[-1]}  {part}"):
            lines[-1] = f"{lines[-1]}  {part}"
        else:
            lines.append(part)
    return lines


class Window:
    """A pygame window that shows frames; ESC or the close button closes it."""

    def __init__(self, size: tuple[int, int], title: str, fps: float) -> None:
        self.pygame = import_pygame()
        pg = self.pygame
        pg.display.init()
        pg.display.set_caption(title)
        self.screen = pg.display.set_mode(size)
        self.clock = pg.time.Clock()
        self.fps = fps
        self.is_open = True

    def show(self, surface: pygame.Surface) -> None:
        if not self.is_open:
            return
        self.process_events()
        if not self.is_open:
            return
        self.screen.blit(surface, (0, 0))
        self.pygame.display.flip()
        self.clock.tick(self.fps)

    def process_events(self) -> None:
        pg = self.pygame
        for event in pg.event.get():
            if event.type == pg.QUIT or (event.type == pg.KEYDOWN and event.key == pg.K_ESCAPE):
                self.close()
                return

    def close(self) -> None:
        if self.is_open:
            self.pygame.display.quit()
            self.is_open = False

"""A convolutional features extractor for warehouse observations that carry map planes.

stable-baselines3's ``NatureCNN`` expects images of at least 36x36 pixels (its 8x8 stride-4 first
layer) and a Box of images only; warehouse maps are small (5x5 and up) and come with position
features. :class:`MapPlanesExtractor` cuts the observation into the position/window features and
the ``(3, rows, cols)`` planes, runs the planes through 3x3 convolutions that keep the map's size,
pools them to a fixed 4x4 grid (so any map size gives the same number of features), and
concatenates the result with the other features.
"""

from __future__ import annotations

import gymnasium as gym
import torch
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

POOLED = 4
"""Side of the grid the convolution output is pooled to."""


class MapPlanesExtractor(BaseFeaturesExtractor):
    def __init__(
        self,
        observation_space: gym.spaces.Box,
        planes: tuple[int, int, int],
        channels: int = 16,
        features: int = 128,
    ) -> None:
        size = int(observation_space.shape[0])
        self.planes = tuple(int(v) for v in planes)
        self.vector_size = size - self.planes[0] * self.planes[1] * self.planes[2]
        super().__init__(observation_space, features + self.vector_size)
        self.cnn = nn.Sequential(
            nn.Conv2d(self.planes[0], channels, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels, 2 * channels, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveMaxPool2d(POOLED),
            nn.Flatten(),
            nn.Linear(2 * channels * POOLED * POOLED, features),
            nn.ReLU(),
        )

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        vector = observations[:, : self.vector_size]
        planes = observations[:, self.vector_size :].reshape(-1, *self.planes)
        return torch.cat([vector, self.cnn(planes)], dim=1)
